"""``a11y-declaration``: the accessibility mention on every page and the declaration behind it.

French law (art. 47 of loi 2005-102, décret 2019-768) asks every page of a public service to
show « Accessibilité : totalement / partiellement / non conforme » with a link to a declaration
stating the conformance level, the rate of RGAA criteria met, its date, a contact and the
Défenseur des droits. The observatory counts a declaration as admissible when it states a
level, offers a contact, shows the global rate and is less than three years old.

Reading and judging are kept apart:

- :mod:`.mention` reads the mention on each page and the links to the declaration;
- :mod:`.source` chooses the page (or the section of a page) the declaration is read from:
  any examined page whose content is a declaration, the followed link first;
- :mod:`.parse` reads the declaration's facts (level, rates, dates, contact, audited pages);
- :mod:`.criteria` reads its own list of non-conformities (RGAA criteria and themes);
- :mod:`.rules` judges them (admissibility, consistency) and owns the French text of each
  admissibility reason, which the ``handicap`` indicator and the report reuse;
- :mod:`.check` is the registered check: outcome, message, ``data`` and evidence.

This file imports nothing, so that reading :mod:`.rules` does not load the whole check.
"""
