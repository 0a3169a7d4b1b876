"""Backprop Studio: draw a network, step through backpropagation, see the chain rule."""

__version__ = "0.1.0"

#: The freedesktop and AppStream id: resources/<APP_ID>.desktop and <APP_ID>.metainfo.xml.
APP_ID = "io.github.bpstudio.BackpropStudio"
