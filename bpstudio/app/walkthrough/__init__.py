"""Help > Walk through the note: one screen per idea of "Backpropagation Calculus", in its
order, on the live network."""
