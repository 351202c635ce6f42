"""Records in: reading ECG files into ``EcgRecord``s and the metadata that comes with them."""
