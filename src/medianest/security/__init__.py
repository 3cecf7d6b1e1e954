"""Cryptographic building blocks: passwords, random tokens, encryption at rest."""
