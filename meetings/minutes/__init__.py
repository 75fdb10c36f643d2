"""Minutes (biên bản) of a meeting: written live by the secretary, submitted, approved by the chair."""
