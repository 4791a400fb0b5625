#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/libdwelf.h>
#include <libelf.h>
#include <gelf.h>
#include <dwarf.h>
