# tools/ollama-sim: the Ollama API simulator, and the reusable HTTP server it
# stands on (src/common/http_server, part of libnqcommon.a).
libnqcommon_a_SOURCES += src/common/http_server.c src/common/http_server.h

# The simulator's pure pieces, shared by the program and its unit tests.
noinst_LIBRARIES += libnqsim.a
libnqsim_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqsim_a_SOURCES = \
	tools/ollama-sim/sim.c tools/ollama-sim/sim.h \
	tools/ollama-sim/catalogue.c tools/ollama-sim/catalogue.h \
	tools/ollama-sim/sched.c tools/ollama-sim/sched.h \
	tools/ollama-sim/sim_text.c tools/ollama-sim/sim_text.h \
	tools/ollama-sim/sim_vec.c tools/ollama-sim/sim_vec.h \
	tools/ollama-sim/sim_faults.c tools/ollama-sim/sim_faults.h \
	tools/ollama-sim/sim_stats.c tools/ollama-sim/sim_stats.h \
	tools/ollama-sim/sim_generate.c tools/ollama-sim/sim_embed.c \
	tools/ollama-sim/sim_info.c tools/ollama-sim/sim_admin.c

bin_PROGRAMS += tools/ollama-sim/ollama-sim
tools_ollama_sim_ollama_sim_SOURCES = tools/ollama-sim/main.c
tools_ollama_sim_ollama_sim_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tools_ollama_sim_ollama_sim_LDADD = libnqsim.a libnqcommon.a $(NQ_DEP_LIBS)
