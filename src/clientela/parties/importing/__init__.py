"""Import of organizations and contacts from CSV and XLSX files.

The steps, each in its own module:

- `reading`: the file as a header and numbered rows (CSV in UTF-8 with or without
  BOM, delimiter sniffed among `,` `;` tab `|`; XLSX streamed through expat), within
  limits that refuse hostile files early, with a clear message;
- `mapping`: which column fills which field (auto-mapped from the header, in English
  and the seed languages, overridable);
- `validating`: each row checked with the actions' own rules, errors per row and
  column; duplicates within the file flagged on the later row;
- `matching`: rows matched in batches against existing records (contacts by e-mail,
  then phone; organizations by tax id, then normalised name);
- `running`: the whole import, all-or-nothing or valid-rows-only, dry-run preview,
  progress; writes go through `parties.actions.contacts_import_batch` /
  `organizations_import_batch`, which use `bulkwrite`.

Row numbers are the ones a spreadsheet program shows: the header is row 1.
"""
