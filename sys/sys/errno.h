/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * errno.h - kernel error numbers (the BSD values).
 *
 * Kernel functions return 0 or one of these.  EASYNC is part of the
 * message-port protocol: "queued, the reply comes later".
 */
#ifndef _SYS_ERRNO_H_
#define _SYS_ERRNO_H_

#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define EBADF		9
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define EXDEV		18
#define ENODEV		19
#define ENOTDIR		20
#define EISDIR		21
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define EAGAIN		35
#define EWOULDBLOCK	EAGAIN
#define EINPROGRESS	36
#define EALREADY	37
#define ENAMETOOLONG	63
#define ENOTEMPTY	66
#define ETIMEDOUT	60
#define ENOSYS		78
#define ECANCELED	85
#define ERESTART	(-1)
#define EASYNC		(-2)

#endif /* !_SYS_ERRNO_H_ */
