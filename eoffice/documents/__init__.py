"""Official documents: incoming and outgoing documents as Decree 30/2020/ND-CP prescribes."""
