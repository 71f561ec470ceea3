"""Population loss with Gaussian inputs (Safran & Shamir 2018; Arjevani & Field 2020)."""
