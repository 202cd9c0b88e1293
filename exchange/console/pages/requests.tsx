import type { FastifyInstance } from 'fastify';

export async function requestPages(_c: FastifyInstance) {}
