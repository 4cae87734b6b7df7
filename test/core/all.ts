// Every core case file, imported once, so both runners see the same list.
