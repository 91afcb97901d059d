"""The portal's records live in its sub-packages; Django reads them from here."""
