CREATE OR REPLACE STREAM "OUT" (x DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((PRICE)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))) FROM "SOURCE_SQL_STREAM_001";
