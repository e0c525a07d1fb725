"""Privacy helpers of the pure core (personal identity numbers in free text)."""
