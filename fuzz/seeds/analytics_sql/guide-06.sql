CREATE OR REPLACE STREAM "OUT" (a VARCHAR(32), b INTEGER, c VARCHAR(8), d BOOLEAN);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM LOWER(ticker_symbol) || '-' || SUBSTRING(sector FROM 1 FOR 3),
            POSITION('E' IN sector), CASE WHEN price > 10 THEN 'high' ELSE NULL END,
            price IS NULL OR change > 0
        FROM "SOURCE_SQL_STREAM_001";