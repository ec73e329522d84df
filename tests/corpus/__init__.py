"""Adversarial corpora: submissions that attack the trusted grader, with the verdict each must get."""
