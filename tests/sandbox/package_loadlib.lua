-- expect: unknown name 'package'
package.loadlib("libc.so.6", "system")
