"""The risk register (social stability included) on a 5×5 likelihood × impact matrix, with its heat map."""
