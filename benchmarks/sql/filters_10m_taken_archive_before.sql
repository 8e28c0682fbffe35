\timing on
BEGIN READ ONLY;
SELECT count(*) FROM (SELECT assets.id FROM assets WHERE assets.taken_at >= '2016-03' AND assets.taken_at < '2016-04' AND assets.archive IS true LIMIT 10001) AS anon_1;
SELECT count(*) FROM (SELECT assets.id, 0 FROM assets WHERE assets.taken_at >= '2016-03' AND assets.taken_at < '2016-04' AND assets.archive IS true ORDER BY assets.id DESC LIMIT 81) s;
ROLLBACK;
