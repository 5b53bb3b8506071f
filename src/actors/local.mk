# src/actors: the actor runtime (mailboxes, loops, actors, timers),
# supervisors and circuit breakers. Built as libnqactors.a; uses src/common only.
noinst_LIBRARIES += libnqactors.a
libnqactors_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqactors_a_SOURCES = \
	src/actors/mpsc.h \
	src/actors/mailbox.c src/actors/mailbox.h \
	src/actors/actor_int.h \
	src/actors/runtime.c src/actors/runtime.h \
	src/actors/timer.c \
	src/actors/actor.c src/actors/actor.h
