// Starts dynalite (in memory) on 127.0.0.1 and a free port, prints that port alone on a line, and
// exits when its standard input closes, so it never outlives the JVM that started it.
'use strict'

const dynalite = require('dynalite')

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })

server.on('error', (err) => {
  console.error('dynalite failed: ' + err.message)
  process.exit(1)
})

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(server.address().port + '\n')
})

// dynalite rethrows the error of a request its client gave up on (an SDK call timeout aborts the
// connection), which would end the process and take every table with it. Nothing of such a request
// was processed, so the server goes on; any other uncaught error still ends it.
process.on('uncaughtException', (err) => {
  if (err.code === 'ECONNRESET' || err.message === 'aborted') {
    return
  }
  console.error('dynalite failed: ' + (err.stack || err))
  process.exit(1)
})

// Ctrl-C in a terminal signals the whole foreground group, this process too: the JVM's shutdown
// still reads and writes the tables (it counts the unfinished jobs), then closes standard input.
process.on('SIGINT', () => {})

process.stdin.on('end', () => process.exit(0))
process.stdin.on('close', () => process.exit(0))
process.stdin.resume()
