"""Orders: the status machine, line validation and deliverables, the production grid."""
