CREATE OR REPLACE STREAM "TECH" (sym VARCHAR(4), price DOUBLE);
        CREATE OR REPLACE STREAM "NAMED" (sym VARCHAR(4), company VARCHAR(32), price DOUBLE);
        CREATE OR REPLACE PUMP "P1" AS INSERT INTO "TECH"
            SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001" WHERE sector = 'TECH';
        CREATE OR REPLACE PUMP "P2" AS INSERT INTO "NAMED"
            SELECT STREAM t.sym, c."Company", t.price FROM "TECH" AS t
            LEFT JOIN "CompanyName" AS c ON t.sym = c."Ticker";