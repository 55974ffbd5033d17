"""Documents people print or file: the settlement slip (结算单) of an admission, as HTML and PDF."""
