/*  test_services.c — the harness reaches the real services that
    scripts/services started: PostgreSQL through libpq, Redis through hiredis.
    Their addresses come from NOVAQ_DATABASE_URL and NOVAQ_REDIS_URL. */
#include "harness.h"

#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_postgres (const char *url)
{
    PGconn *conn = PQconnectdb (url);
    if (!nq_tap_ok (PQstatus (conn) == CONNECTION_OK, "connect to PostgreSQL")) {
        nq_tap_diag ("%s", PQerrorMessage (conn));
        PQfinish (conn);
        for (int i = 0; i < 3; i++)
            nq_tap_ok (0, "PostgreSQL check skipped: no connection");
        return;
    }
    PGresult *r = PQexec (conn, "SELECT current_setting('server_version_num')::int");
    int version = PQresultStatus (r) == PGRES_TUPLES_OK ? atoi (PQgetvalue (r, 0, 0)) : 0;
    PQclear (r);
    nq_tap_ok (version >= 150000, "server is PostgreSQL 15 or newer (%d)", version);

    r = PQexec (conn, "CREATE TEMP TABLE harness_probe (id bigint PRIMARY KEY, note text NOT NULL)");
    int created = PQresultStatus (r) == PGRES_COMMAND_OK;
    PQclear (r);
    const char *params[2] = {"42", "written through libpq"};
    r = PQexecParams (conn, "INSERT INTO harness_probe VALUES ($1::bigint, $2)", 2, NULL, params, NULL, NULL, 0);
    int inserted = PQresultStatus (r) == PGRES_COMMAND_OK;
    PQclear (r);
    nq_tap_ok (created && inserted, "create a table and insert a row with parameters");

    r = PQexec (conn, "SELECT note FROM harness_probe WHERE id = 42");
    int read_back = PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) == 1
                    && strcmp (PQgetvalue (r, 0, 0), "written through libpq") == 0;
    PQclear (r);
    nq_tap_ok (read_back, "read the row back");
    PQfinish (conn);
}

static void
s_redis (const char *url)
{
    //  redis://host:port[/db] — scripts/services writes this simple form.
    char host[256] = "127.0.0.1";
    int port = 6379;
    if (sscanf (url, "redis://%255[^:/]:%d", host, &port) < 1) {
        nq_tap_ok (0, "parse NOVAQ_REDIS_URL '%s'", url);
        return;
    }
    redisContext *c = redisConnect (host, port);
    if (!nq_tap_ok (c && !c->err, "connect to Redis at %s:%d", host, port)) {
        if (c)
            redisFree (c);
        nq_tap_ok (0, "Redis check skipped: no connection");
        nq_tap_ok (0, "Redis check skipped: no connection");
        return;
    }
    redisReply *r = redisCommand (c, "SET novaq:harness:probe %s", "hello");
    int set_ok = r && r->type == REDIS_REPLY_STATUS && strcmp (r->str, "OK") == 0;
    freeReplyObject (r);
    r = redisCommand (c, "GET novaq:harness:probe");
    int get_ok = r && r->type == REDIS_REPLY_STRING && strcmp (r->str, "hello") == 0;
    freeReplyObject (r);
    nq_tap_ok (set_ok && get_ok, "SET then GET a key");
    r = redisCommand (c, "INCRBY novaq:harness:counter 5");
    long long v1 = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject (r);
    r = redisCommand (c, "INCRBY novaq:harness:counter 5");
    long long v2 = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject (r);
    freeReplyObject (redisCommand (c, "DEL novaq:harness:probe novaq:harness:counter"));
    nq_tap_ok (v1 >= 5 && v2 == v1 + 5, "INCRBY is atomic and counts (%lld then %lld)", v1, v2);
    redisFree (c);
}

int
main (void)
{
    const char *pg = getenv ("NOVAQ_DATABASE_URL");
    const char *redis = getenv ("NOVAQ_REDIS_URL");
    if (!pg || !*pg || !redis || !*redis)
        nq_tap_skip_all ("NOVAQ_DATABASE_URL and NOVAQ_REDIS_URL are not set (scripts/services start sets them)");
    nq_tap_plan (7);
    s_postgres (pg);
    s_redis (redis);
    return nq_tap_done ();
}
