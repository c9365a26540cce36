"""The spinemets catalogue (CSV files), installed as ``spinemets.data``."""
