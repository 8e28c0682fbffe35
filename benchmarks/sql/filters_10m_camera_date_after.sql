\timing on
BEGIN READ ONLY;
EXPLAIN (FORMAT JSON) SELECT assets.id FROM assets WHERE assets.taken_at >= '2016-01-01' AND assets.taken_at < '2017-01-01';
SET LOCAL jit = off;
SELECT count(*) FROM (SELECT assets.id FROM assets WHERE (lower(assets.camera_model) LIKE '%nikon%' OR lower(assets.camera_make) LIKE '%nikon%') AND assets.taken_at >= '2016-01-01' AND assets.taken_at < '2017-01-01' LIMIT 10001) AS anon_1;
SELECT count(*) FROM (SELECT assets.id, 0 FROM assets WHERE (lower(assets.camera_model) LIKE '%nikon%' OR lower(assets.camera_make) LIKE '%nikon%') AND assets.taken_at >= '2016-01-01' AND assets.taken_at < '2017-01-01' AND assets.id IN (SELECT assets_1.id FROM assets AS assets_1 ORDER BY assets_1.id DESC LIMIT 1000) ORDER BY assets.id DESC LIMIT 81) s;
SELECT min(anon_1.id) FROM (SELECT assets_1.id AS id FROM assets AS assets_1 ORDER BY assets_1.id DESC LIMIT 1000) AS anon_1;
SELECT count(*) FROM (SELECT assets.id, 0 FROM assets WHERE (lower(assets.camera_model) LIKE '%nikon%' OR lower(assets.camera_make) LIKE '%nikon%') AND assets.taken_at >= '2016-01-01' AND assets.taken_at < '2017-01-01' AND assets.id < 9999321 ORDER BY assets.id + 0 DESC LIMIT 81) s;
ROLLBACK;
