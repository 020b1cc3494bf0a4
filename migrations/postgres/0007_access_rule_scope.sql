-- Whose records a rule lets its subject see in the report it grants (docs/ACCESS.md, "Data scope"):
--   own        - the records the user is responsible for (plus the trees of departments the user heads);
--   department - everything of the user's own departments with their sub-departments;
--   company    - the whole company.
-- Existing rules keep the least privilege ('own'). Same on both backends.
ALTER TABLE access_rules ADD COLUMN scope TEXT NOT NULL DEFAULT 'own'
    CHECK (scope IN ('own', 'department', 'company'));
