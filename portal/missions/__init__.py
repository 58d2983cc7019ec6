"""Countries and territories (from CLDR via Babel) and the overseas missions that cover them."""
