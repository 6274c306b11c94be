import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ClientChannel } from './client-channel.js';

/** A loopback pair: the channel wraps the accepted side, `peer` reads what it sends. */
async function pair(): Promise<{
  channel: ClientChannel;
  accepted: Socket;
  peer: Socket;
  close: () => void;
}> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const peer = connect(port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [Socket];
  await once(peer, 'connect');
  return {
    channel: new ClientChannel(accepted),
    accepted,
    peer,
    close: () => {
      peer.destroy();
      accepted.destroy();
      server.close();
    },
  };
}

async function receive(peer: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  while (got < length) {
    const [chunk] = (await once(peer, 'data')) as [Buffer];
    chunks.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** Counts the buffers the channel hands to its socket (what the socket must queue and gather). */
function countWrites(socket: Socket): () => number {
  let writes = 0;
  const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
  socket.write = ((chunk: Buffer) => {
    writes++;
    return write(chunk);
  }) as Socket['write'];
  return () => writes;
}

test('corked writes keep their bytes and order; neighbours in one buffer leave as one slice', async () => {
  const { channel, accepted, peer, close } = await pair();
  try {
    const writes = countWrites(accepted);
    // Three frames of one server chunk, a rewritten (masked) frame from elsewhere, then the chunk's rest.
    const chunk = Buffer.from('AAAABBBBCCCCDDDD');
    const elsewhere = Buffer.from('xxxx');
    channel.cork();
    channel.write(chunk.subarray(0, 4));
    channel.write(chunk.subarray(4, 8));
    channel.cork(); // nested: only the outermost uncork sends
    channel.write(chunk.subarray(8, 12));
    assert.equal(channel.uncork(), true);
    assert.equal(writes(), 0, 'nothing is handed over while corked and contiguous');
    channel.write(elsewhere);
    channel.write(chunk.subarray(12, 16));
    assert.equal(channel.uncork(), true);
    assert.equal(writes(), 3, 'AAAABBBBCCCC as one slice, xxxx, DDDD');
    assert.equal((await receive(peer, 20)).toString(), 'AAAABBBBCCCCxxxxDDDD');
    assert.equal(channel.bytesToClient, 20);

    // Uncorked, every write goes straight to the socket.
    channel.write(chunk.subarray(0, 4));
    channel.write(chunk.subarray(4, 8));
    assert.equal(writes(), 5);
    assert.equal((await receive(peer, 8)).toString(), 'AAAABBBB');
  } finally {
    close();
  }
});

test('a gathered run is sent before the closing bytes when the channel ends', async () => {
  const { channel, peer, close } = await pair();
  try {
    const chunk = Buffer.from('RowRowRow');
    channel.cork();
    channel.write(chunk.subarray(0, 3));
    channel.write(chunk.subarray(3, 9));
    const received = receive(peer, 13);
    channel.end(Buffer.from('Err!'));
    assert.equal((await received).toString(), 'RowRowRowErr!');
  } finally {
    close();
  }
});

test('uncork reports a full client buffer, so the relay can wait for drain', async () => {
  const { channel, peer, close } = await pair();
  try {
    peer.pause(); // a client that stops reading
    const big = Buffer.alloc(8 * 1024 * 1024, 0x44);
    channel.cork();
    channel.write(big.subarray(0, big.length / 2));
    channel.write(big.subarray(big.length / 2));
    assert.equal(channel.uncork(), false);
    assert.equal(channel.socket.writableNeedDrain, true);
  } finally {
    close();
  }
});
