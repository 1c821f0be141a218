"""Text helpers for messages to patients: pure functions, no database, no HTTP.

- :mod:`hub.text.phones` — is this phone number usable for SMS? (E.164, mobile or not,
  extension, and a sentence for the admin and the receptionist when it is not)
- :mod:`hub.text.declension` — dative forms of staff names and specialty phrases
  («к врачу-терапевту Петровой А. С.»)
- :mod:`hub.text.segments` — SMS length: GSM-7 or UCS-2, characters, parts

Import the module you need; this package exports nothing itself so that importing one
helper never loads the others' data (pymorphy3's dictionary in particular).
"""
