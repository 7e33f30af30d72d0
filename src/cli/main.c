/* main.c - placeholder until the CLI lands. */
#include <stdio.h>
#include "metagen/metagen.h"
int main(void)
{
	puts("metagen " MGEN_VERSION);
	return 0;
}
