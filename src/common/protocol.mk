# src/common: the NQP/1 codec (docs/protocol.md) and job ids, part of libnqcommon.a.
libnqcommon_a_SOURCES += \
	src/common/mpread.c src/common/mpread.h \
	src/common/protocol.h src/common/protocol_fields.h \
	src/common/protocol_limits.c src/common/protocol_limits.h \
	src/common/protocol_tables.c \
	src/common/protocol_msg.c \
	src/common/protocol_decode.c \
	src/common/protocol_encode.c
libnqcommon_a_SOURCES += \
	src/common/protocol_json.c src/common/protocol_json.h \
	src/common/protocol_zmq.c src/common/protocol_zmq.h \
	src/common/id.c src/common/id.h
