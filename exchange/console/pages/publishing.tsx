import type { FastifyInstance } from 'fastify';

export async function publishingPages(_c: FastifyInstance) {}
