-- An assistant reply may be far longer than a visitor's message: the default cap of 8,192 output
-- tokens can be over 30,000 characters, and a reply over the old 16,000 failed its insert, so the
-- visitor saw it stream and then lost it. The column now holds any reply a model can write here;
-- a visitor's message is still limited by limits.contentMaxChars (at most 16,000).
ALTER TABLE messages ALTER COLUMN content SET DATA TYPE VARCHAR(1000000);
