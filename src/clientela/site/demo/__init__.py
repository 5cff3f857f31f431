"""The demo data of `clientela demo`: word lists (names, places, business) written for
this project, a seeded generator and a bulk loader."""
