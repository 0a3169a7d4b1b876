"""Examples to train on: the data set model, built-in generators, CSV import, where a
project's data comes from, and fitting a network's input and output layers to a data set."""
