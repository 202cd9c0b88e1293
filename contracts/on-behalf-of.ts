/**
 * The header with which a front-end node acts for a consuming system of its own department
 * (receiving jobs: 库表交换). Shared by nodes (adapters/) and the exchange, which accepts it only
 * from a node of the system's department and only on the routes a receiving job uses.
 */
export const onBehalfOfHeader = 'x-brx-on-behalf-of';
