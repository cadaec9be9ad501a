-- IAM: roles and managed policies of an account, one JSON document each (IAM is global: no region).
CREATE TABLE iam_docs (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,  -- 'role' or 'policy'
    name    TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (account, kind, name)
) WITHOUT ROWID;
