/* Placeholder test program: replaced by the real suite. */
#include "ulib.h"
int main(struct start_info *info)
{
	(void)info;
	printf("TEST null_syscall %s\n", sys_null() == 0 ? "ok" : "FAIL");
	return 0;
}
