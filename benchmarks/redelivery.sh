#!/bin/bash
# Redis redelivery after a killed worker: seconds from SIGKILL of worker A (mid-piece) to
# the piece's second delivery (to worker B) and to the job's end, with
# PHOTODESK_BROKER_VISIBILITY=20. Needs a redis-server of its own on port 6395
# (`redis-server --port 6395 --daemonize yes --save '' --appendonly no`), PostgreSQL,
# and the ingest benchmark's web set in /tmp/ingest-sets/web (benchmarks/ingest.py
# --set web --folder /tmp/ingest-sets). Run it on two checkouts for a before/after:
#     benchmarks/redelivery.sh LABEL
set -u
P="$(dirname "$0")/../.venv/bin/photodesk"
export PHOTODESK_BROKER_VISIBILITY=20
DB=postgresql://postgres@127.0.0.1:5432/redeliver
B=redis://127.0.0.1:6395/0
redis-cli -p 6395 flushall >/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres redeliver 2>/dev/null; createdb -h 127.0.0.1 -U postgres redeliver
rm -rf /tmp/rd/lib /tmp/rd/in; mkdir -p /tmp/rd/in; cp /tmp/ingest-sets/web/*.jpg /tmp/rd/in/ 2>/dev/null
A="$P --library /tmp/rd/lib --database-url $DB --broker $B"
$A init >/dev/null 2>&1
setsid $A worker --queues jobs --concurrency 1 > /tmp/rd/a.log 2>&1 &
APID=$!
sleep 6
JOB=$($A ingest /tmp/rd/in --queue --piece-size 200 2>/dev/null)
for i in $(seq 1 200); do
  d=$(psql -tA "$DB" -c "select coalesce(sum(deliveries),0) from job_batches where job_id=$JOB")
  [ "$d" -ge 1 ] && break; sleep 0.1
done
sleep 0.5
kill -9 -- -$APID; T0=$(date +%s.%N)
setsid $A worker --queues jobs --concurrency 1 > /tmp/rd/b.log 2>&1 &
BPID=$!
TR=""
for i in $(seq 1 3000); do
  s=$(psql -tA "$DB" -c "select state from jobs where id=$JOB")
  if [ -z "$TR" ]; then d=$(psql -tA "$DB" -c "select sum(deliveries) from job_batches where job_id=$JOB"); [ "$d" -ge 2 ] && TR=$(date +%s.%N); fi
  [ "$s" = done ] || [ "$s" = failed ] && break; sleep 0.1
done
T1=$(date +%s.%N)
echo "$1: delivered again after $(echo "${TR:-0} - $T0" | bc) s; job $JOB $s after $(echo "$T1 - $T0" | bc) s; deliveries $(psql -tA "$DB" -c "select sum(deliveries) from job_batches where job_id=$JOB")"
kill -- -$BPID 2>/dev/null; sleep 2; kill -9 -- -$BPID 2>/dev/null
