"""The maths of the note: activations, costs, initialisation, the network and its
parameter addresses, forward and backward passes, the chain rule's factors, gradient
checks, optimisers and metrics. Depends on nothing else in the package but ``errors``."""
