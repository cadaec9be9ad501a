-- Records keep the encryption they were written with: the points where a stream's
-- encryption changed, as a JSON array of [first counter, "KMS" | "NONE"].
ALTER TABLE streams ADD COLUMN encryption_changes TEXT NOT NULL DEFAULT '[]';
