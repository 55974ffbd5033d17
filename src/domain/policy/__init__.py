"""Policy versions: every benefit-rule number is versioned, effective-dated data."""
