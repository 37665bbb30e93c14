"""psen_processing: bsread stream processing for PSEN timing cameras."""
