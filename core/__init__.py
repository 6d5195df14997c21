"""The ground floor: what every app shares (errors, input parsing, months, prepared statements, photos,
spreadsheets, PDF basics). It imports no app of ours; every app may import it."""
