"""Carts, orders and their lifecycle: what shoppers buy and what happens to it after payment."""
