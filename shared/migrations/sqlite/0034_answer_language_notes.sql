-- Answers in the customer's language (issue 19). An answer that exists only in another
-- language than the customer's carries a note saying so, in theirs ("Diese Antwort gibt
-- es nur auf Englisch."). The note is kept with the question whose reply it goes with, so
-- the conversation restored after a reload shows it as it was shown live. NULL: no note,
-- and every question stored before this release.
ALTER TABLE messages ADD COLUMN language_note TEXT;
