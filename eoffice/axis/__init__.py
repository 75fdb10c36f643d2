"""The national document axis connector: edXML packages and status notices, sending and receiving."""
