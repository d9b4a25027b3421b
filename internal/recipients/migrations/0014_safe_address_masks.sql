-- Address masks stored before the present rule (secure.MaskAddress) kept
-- the first 6 characters and stored a value of 6 characters or fewer
-- whole, in plaintext. SQL cannot apply the new rule, so every stored
-- address mask becomes the bare mask at once; the administrative prefix
-- comes back when the record is next saved or at `shegong keys rotate`
-- (secure.Remask rebuilds every masked copy from the sealed value).
UPDATE recipients SET hukou_address_masked = '****' WHERE hukou_address_masked <> '';
UPDATE recipients SET current_address_masked = '****' WHERE current_address_masked <> '';
