\timing on
BEGIN READ ONLY;
SELECT count(*) FROM (SELECT assets.id FROM assets WHERE (lower(assets.camera_model) LIKE '%nikon%' OR lower(assets.camera_make) LIKE '%nikon%') AND assets.taken_at >= '2025-06-01' LIMIT 10001) AS anon_1;
SELECT count(*) FROM (SELECT assets.id, 0 FROM assets WHERE (lower(assets.camera_model) LIKE '%nikon%' OR lower(assets.camera_make) LIKE '%nikon%') AND assets.taken_at >= '2025-06-01' ORDER BY assets.id DESC LIMIT 81) s;
ROLLBACK;
